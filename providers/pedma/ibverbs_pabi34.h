/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The libibverbs provider interface, private ABI ("PABI") 34, as pedma
 * needs it.
 *
 * Why this file exists: a provider plugs into libibverbs through structs and
 * functions that rdma-core keeps private (its infiniband/driver.h is not
 * installed by libibverbs-dev) and versions as a whole: every symbol is
 * IBVERBS_PRIVATE_<PABI> and libibverbs only loads lib<name>-rdmav<PABI>.so.
 * rdma-core does not support providers built outside its tree, so pedma
 * declares the part it uses itself.  These are our own declarations of
 * facts about that ABI (member order, types, prototypes), checked below
 * with static assertions against the sizes and offsets of rdma-core v44
 * (Debian 12), and at run time by tests/provider/test_pabi_layout, which
 * hands a filled ops table to the installed libibverbs and reads back
 * where each pointer landed.
 *
 * PABI 34 covers rdma-core v34..v56.  verbs_set_ops() copies the ops table
 * by compiled offset, so verbs_context_ops must match member for member;
 * rdma-core adds ops in alphabetical position, which moves later members.
 * Before building against any other PABI (57: ibv_cmd_get_context gained an
 * fd array; 59: create_cq_ex gained provider attrs; 64 ...), re-check every
 * struct and prototype here against that release's libibverbs/driver.h and
 * update the asserted numbers; do not just bump the number.
 *
 * The CMake check in providers/pedma/CMakeLists.txt links a probe against
 * verbs_register_driver_34@IBVERBS_PRIVATE_34 and only then defines
 * PEDMA_IBVERBS_PABI=34.
 */
#ifndef PEDMA_IBVERBS_PABI34_H
#define PEDMA_IBVERBS_PABI34_H

#if !defined(PEDMA_IBVERBS_PABI) || PEDMA_IBVERBS_PABI != 34
#error "ibverbs_pabi34.h describes libibverbs private ABI 34 only: the installed libibverbs was not found to export IBVERBS_PRIVATE_34 (see providers/pedma/README.md)"
#endif

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <infiniband/verbs.h>
#include <rdma/ib_user_verbs.h>

/* libibverbs' intrusive list link (two pointers), embedded in its structs. */
struct verbs_list_node {
	struct verbs_list_node *next;
	struct verbs_list_node *prev;
};

/* ---- Device matching ---------------------------------------------------- */

enum {
	VERBS_MATCH_SENTINEL = 0,
	VERBS_MATCH_PCI = 1,
	VERBS_MATCH_MODALIAS = 2,
	VERBS_MATCH_DRIVER_ID = 3,
};

struct verbs_match_ent {
	void *driver_data;
	union {
		const char *modalias;
		uint64_t driver_id;
	} u;
	uint16_t vendor;
	uint16_t device;
	uint8_t kind;
};

/* One uverbs device found in sysfs or netlink; owned by libibverbs. */
struct verbs_sysfs_dev {
	struct verbs_list_node entry;
	void *provider_data;
	const struct verbs_match_ent *match;
	unsigned int flags;
	char sysfs_name[IBV_SYSFS_NAME_MAX];	/* uverbsN */
	dev_t sysfs_cdev;
	char ibdev_name[IBV_SYSFS_NAME_MAX];	/* pedmaN */
	char ibdev_path[IBV_SYSFS_PATH_MAX];
	char modalias[512];
	uint64_t node_guid;
	uint32_t driver_id;
	enum ibv_node_type node_type;
	int ibdev_idx;
	uint32_t num_ports;
	uint32_t abi_ver;			/* the kernel's uverbs_abi_ver */
	struct timespec time_created;
};

struct verbs_device;

struct verbs_device_ops {
	const char *name;
	uint32_t match_min_abi_version;
	uint32_t match_max_abi_version;
	const struct verbs_match_ent *match_table;
	const struct verbs_device_ops **static_providers;
	bool (*match_device)(struct verbs_sysfs_dev *sysfs_dev);
	struct verbs_context *(*alloc_context)(struct ibv_device *device,
					       int cmd_fd, void *private_data);
	struct verbs_context *(*import_context)(struct ibv_device *device,
						int cmd_fd);
	struct verbs_device *(*alloc_device)(struct verbs_sysfs_dev *sysfs_dev);
	void (*uninit_device)(struct verbs_device *device);
};

/* The provider allocates this (embedded first in its own device struct). */
struct verbs_device {
	struct ibv_device device;
	const struct verbs_device_ops *ops;
	atomic_int refcount;
	struct verbs_list_node entry;
	struct verbs_sysfs_dev *sysfs;
	uint64_t core_support;
};

static inline struct verbs_device *verbs_get_device(const struct ibv_device *dev)
{
	return (struct verbs_device *)((char *)dev -
				       offsetof(struct verbs_device, device));
}

/* ---- Objects named in the ops table ------------------------------------- */

enum ibv_mr_type {
	IBV_MR_TYPE_MR,
	IBV_MR_TYPE_NULL_MR,
	IBV_MR_TYPE_IMPORTED_MR,
	IBV_MR_TYPE_DMABUF_MR,
};

struct verbs_mr {
	struct ibv_mr ibv_mr;
	enum ibv_mr_type mr_type;
	int access;
};

/* Only pointed to; pedma has no XRC. */
struct verbs_xrcd;

/*
 * libibverbs' wrappers of the public CQ, QP and SRQ objects, which
 * providers embed first in their own.  libibverbs converts to them with
 * container_of: ibv_qp_to_qp_ex() returns &qp_ex when comp_mask has
 * VERBS_QP_EX (pedma sets it for QPs made with send_ops_flags), and an
 * extended CQ is the same object seen as ibv_cq_ex.
 */
struct verbs_cq {
	union {
		struct ibv_cq cq;
		struct ibv_cq_ex cq_ex;
	};
};

/* verbs_qp.comp_mask: VERBS_QP_EX makes ibv_qp_to_qp_ex() return qp_ex. */
enum {
	VERBS_QP_XRCD = 1 << 0,
	VERBS_QP_EX = 1 << 1,
};

struct verbs_qp {
	union {
		struct ibv_qp qp;
		struct ibv_qp_ex qp_ex;
	};
	uint32_t comp_mask;		/* VERBS_QP_* */
	struct verbs_xrcd *xrcd;
};

struct verbs_srq {
	struct ibv_srq srq;
	enum ibv_srq_type srq_type;
	struct verbs_xrcd *xrcd;
	struct ibv_cq *cq;
	uint32_t srq_num;
};

/*
 * Every op a provider may supply, in libibverbs' (alphabetical) order.
 * 76 pointers.  A NULL member keeps libibverbs' built-in default, which
 * fails with EOPNOTSUPP (or does nothing, for the void ones).
 */
struct verbs_context_ops {
	int (*advise_mr)(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
			 uint32_t flags, struct ibv_sge *sg_list,
			 uint32_t num_sges);
	struct ibv_dm *(*alloc_dm)(struct ibv_context *context,
				   struct ibv_alloc_dm_attr *attr);
	struct ibv_mw *(*alloc_mw)(struct ibv_pd *pd, enum ibv_mw_type type);
	struct ibv_mr *(*alloc_null_mr)(struct ibv_pd *pd);
	struct ibv_pd *(*alloc_parent_domain)(
		struct ibv_context *context,
		struct ibv_parent_domain_init_attr *attr);
	struct ibv_pd *(*alloc_pd)(struct ibv_context *context);
	struct ibv_td *(*alloc_td)(struct ibv_context *context,
				   struct ibv_td_init_attr *init_attr);
	void (*async_event)(struct ibv_context *context,
			    struct ibv_async_event *event);
	int (*attach_counters_point_flow)(struct ibv_counters *counters,
					  struct ibv_counter_attach_attr *attr,
					  struct ibv_flow *flow);
	int (*attach_mcast)(struct ibv_qp *qp, const union ibv_gid *gid,
			    uint16_t lid);
	int (*bind_mw)(struct ibv_qp *qp, struct ibv_mw *mw,
		       struct ibv_mw_bind *mw_bind);
	int (*close_xrcd)(struct ibv_xrcd *xrcd);
	void (*cq_event)(struct ibv_cq *cq);
	struct ibv_ah *(*create_ah)(struct ibv_pd *pd, struct ibv_ah_attr *attr);
	struct ibv_counters *(*create_counters)(
		struct ibv_context *context,
		struct ibv_counters_init_attr *init_attr);
	struct ibv_cq *(*create_cq)(struct ibv_context *context, int cqe,
				    struct ibv_comp_channel *channel,
				    int comp_vector);
	struct ibv_cq_ex *(*create_cq_ex)(struct ibv_context *context,
					  struct ibv_cq_init_attr_ex *init_attr);
	struct ibv_flow *(*create_flow)(struct ibv_qp *qp,
					struct ibv_flow_attr *flow_attr);
	struct ibv_flow_action *(*create_flow_action_esp)(
		struct ibv_context *context,
		struct ibv_flow_action_esp_attr *attr);
	struct ibv_qp *(*create_qp)(struct ibv_pd *pd,
				    struct ibv_qp_init_attr *attr);
	struct ibv_qp *(*create_qp_ex)(struct ibv_context *context,
				       struct ibv_qp_init_attr_ex *attr);
	struct ibv_rwq_ind_table *(*create_rwq_ind_table)(
		struct ibv_context *context,
		struct ibv_rwq_ind_table_init_attr *init_attr);
	struct ibv_srq *(*create_srq)(struct ibv_pd *pd,
				      struct ibv_srq_init_attr *attr);
	struct ibv_srq *(*create_srq_ex)(struct ibv_context *context,
					 struct ibv_srq_init_attr_ex *attr);
	struct ibv_wq *(*create_wq)(struct ibv_context *context,
				    struct ibv_wq_init_attr *attr);
	int (*dealloc_mw)(struct ibv_mw *mw);
	int (*dealloc_pd)(struct ibv_pd *pd);
	int (*dealloc_td)(struct ibv_td *td);
	int (*dereg_mr)(struct verbs_mr *vmr);
	int (*destroy_ah)(struct ibv_ah *ah);
	int (*destroy_counters)(struct ibv_counters *counters);
	int (*destroy_cq)(struct ibv_cq *cq);
	int (*destroy_flow)(struct ibv_flow *flow);
	int (*destroy_flow_action)(struct ibv_flow_action *action);
	int (*destroy_qp)(struct ibv_qp *qp);
	int (*destroy_rwq_ind_table)(struct ibv_rwq_ind_table *table);
	int (*destroy_srq)(struct ibv_srq *srq);
	int (*destroy_wq)(struct ibv_wq *wq);
	int (*detach_mcast)(struct ibv_qp *qp, const union ibv_gid *gid,
			    uint16_t lid);
	void (*free_context)(struct ibv_context *context);
	int (*free_dm)(struct ibv_dm *dm);
	int (*get_srq_num)(struct ibv_srq *srq, uint32_t *srq_num);
	struct ibv_dm *(*import_dm)(struct ibv_context *context,
				    uint32_t dm_handle);
	struct ibv_mr *(*import_mr)(struct ibv_pd *pd, uint32_t mr_handle);
	struct ibv_pd *(*import_pd)(struct ibv_context *context,
				    uint32_t pd_handle);
	int (*modify_cq)(struct ibv_cq *cq, struct ibv_modify_cq_attr *attr);
	int (*modify_flow_action_esp)(struct ibv_flow_action *action,
				      struct ibv_flow_action_esp_attr *attr);
	int (*modify_qp)(struct ibv_qp *qp, struct ibv_qp_attr *attr,
			 int attr_mask);
	int (*modify_qp_rate_limit)(struct ibv_qp *qp,
				    struct ibv_qp_rate_limit_attr *attr);
	int (*modify_srq)(struct ibv_srq *srq, struct ibv_srq_attr *attr,
			  int attr_mask);
	int (*modify_wq)(struct ibv_wq *wq, struct ibv_wq_attr *attr);
	struct ibv_qp *(*open_qp)(struct ibv_context *context,
				  struct ibv_qp_open_attr *attr);
	struct ibv_xrcd *(*open_xrcd)(struct ibv_context *context,
				      struct ibv_xrcd_init_attr *attr);
	int (*poll_cq)(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc);
	int (*post_recv)(struct ibv_qp *qp, struct ibv_recv_wr *wr,
			 struct ibv_recv_wr **bad_wr);
	int (*post_send)(struct ibv_qp *qp, struct ibv_send_wr *wr,
			 struct ibv_send_wr **bad_wr);
	int (*post_srq_ops)(struct ibv_srq *srq, struct ibv_ops_wr *op,
			    struct ibv_ops_wr **bad_op);
	int (*post_srq_recv)(struct ibv_srq *srq, struct ibv_recv_wr *wr,
			     struct ibv_recv_wr **bad_wr);
	int (*query_device_ex)(struct ibv_context *context,
			       const struct ibv_query_device_ex_input *input,
			       struct ibv_device_attr_ex *attr,
			       size_t attr_size);
	int (*query_ece)(struct ibv_qp *qp, struct ibv_ece *ece);
	int (*query_port)(struct ibv_context *context, uint8_t port_num,
			  struct ibv_port_attr *port_attr);
	int (*query_qp)(struct ibv_qp *qp, struct ibv_qp_attr *attr,
			int attr_mask, struct ibv_qp_init_attr *init_attr);
	int (*query_qp_data_in_order)(struct ibv_qp *qp,
				      enum ibv_wr_opcode op, uint32_t flags);
	int (*query_rt_values)(struct ibv_context *context,
			       struct ibv_values_ex *values);
	int (*query_srq)(struct ibv_srq *srq, struct ibv_srq_attr *attr);
	int (*read_counters)(struct ibv_counters *counters,
			     uint64_t *counters_value, uint32_t ncounters,
			     uint32_t flags);
	struct ibv_mr *(*reg_dm_mr)(struct ibv_pd *pd, struct ibv_dm *dm,
				    uint64_t dm_offset, size_t length,
				    unsigned int access);
	struct ibv_mr *(*reg_dmabuf_mr)(struct ibv_pd *pd, uint64_t offset,
					size_t length, uint64_t iova, int fd,
					int access);
	struct ibv_mr *(*reg_mr)(struct ibv_pd *pd, void *addr, size_t length,
				 uint64_t hca_va, int access);
	int (*req_notify_cq)(struct ibv_cq *cq, int solicited_only);
	int (*rereg_mr)(struct verbs_mr *vmr, int flags, struct ibv_pd *pd,
			void *addr, size_t length, int access);
	int (*resize_cq)(struct ibv_cq *cq, int cqe);
	int (*set_ece)(struct ibv_qp *qp, struct ibv_ece *ece);
	void (*unimport_dm)(struct ibv_dm *dm);
	void (*unimport_mr)(struct ibv_mr *mr);
	void (*unimport_pd)(struct ibv_pd *pd);
};

/* ---- Legacy command buffers the ibv_cmd_* helpers take ------------------ */

/*
 * Each is the uverbs write() header followed by the core request, laid out
 * flat (the kernel structs end in flexible arrays, which C11 does not let
 * us embed).  The helpers fill hdr; a provider that passes driver data
 * appends it right after the core request, and its driver response right
 * after the core response.
 */
struct ibv_get_context {
	struct ib_uverbs_cmd_hdr hdr;
	__aligned_u64 response;
};

struct ibv_query_port {
	struct ib_uverbs_cmd_hdr hdr;
	__aligned_u64 response;
	__u8 port_num;
	__u8 reserved[7];
};

struct ibv_alloc_pd {
	struct ib_uverbs_cmd_hdr hdr;
	__aligned_u64 response;
};

/*
 * Command buffers whose fields only libibverbs touches: the header, then
 * room for the core request with its size and alignment.  pedma passes
 * no driver request data, so cmd_size is always sizeof() of these.
 */
#define PEDMA_OPAQUE_CMD(_name, _kabi)                                         \
	struct _name {                                                         \
		struct ib_uverbs_cmd_hdr hdr;                                  \
		_Alignas(struct _kabi) unsigned char                           \
			core[sizeof(struct _kabi)];                            \
	}

PEDMA_OPAQUE_CMD(ibv_reg_mr, ib_uverbs_reg_mr);
PEDMA_OPAQUE_CMD(ibv_rereg_mr, ib_uverbs_rereg_mr);
PEDMA_OPAQUE_CMD(ibv_create_cq, ib_uverbs_create_cq);
PEDMA_OPAQUE_CMD(ibv_resize_cq, ib_uverbs_resize_cq);
PEDMA_OPAQUE_CMD(ibv_create_qp, ib_uverbs_create_qp);
PEDMA_OPAQUE_CMD(ibv_modify_qp, ib_uverbs_modify_qp);
PEDMA_OPAQUE_CMD(ibv_query_qp, ib_uverbs_query_qp);
PEDMA_OPAQUE_CMD(ibv_create_srq, ib_uverbs_create_srq);
PEDMA_OPAQUE_CMD(ibv_modify_srq, ib_uverbs_modify_srq);
PEDMA_OPAQUE_CMD(ibv_query_srq, ib_uverbs_query_srq);

/* ---- Exported by libibverbs under IBVERBS_PRIVATE_34 -------------------- */

void verbs_register_driver_34(const struct verbs_device_ops *ops);

/*
 * Allocates alloc_size zeroed bytes, initialises the verbs_context found
 * context_offset bytes in, installs the default ops.  Takes ownership of
 * cmd_fd (closed on failure).
 */
void *_verbs_init_and_alloc_context(struct ibv_device *device, int cmd_fd,
				    size_t alloc_size,
				    struct verbs_context *context_offset,
				    uint32_t driver_id);
void verbs_uninit_context(struct verbs_context *context);
void verbs_set_ops(struct verbs_context *vctx,
		   const struct verbs_context_ops *ops);

/* All ibv_cmd_* return 0 or a positive errno. */
int ibv_cmd_get_context(struct verbs_context *context,
			struct ibv_get_context *cmd, size_t cmd_size,
			struct ib_uverbs_get_context_resp *resp,
			size_t resp_size);
int ibv_cmd_query_device_any(struct ibv_context *context,
			     const struct ibv_query_device_ex_input *input,
			     struct ibv_device_attr_ex *attr, size_t attr_size,
			     struct ib_uverbs_ex_query_device_resp *resp,
			     size_t *resp_size);
int ibv_cmd_query_port(struct ibv_context *context, uint8_t port_num,
		       struct ibv_port_attr *port_attr,
		       struct ibv_query_port *cmd, size_t cmd_size);
int ibv_cmd_alloc_pd(struct ibv_context *context, struct ibv_pd *pd,
		     struct ibv_alloc_pd *cmd, size_t cmd_size,
		     struct ib_uverbs_alloc_pd_resp *resp, size_t resp_size);
int ibv_cmd_dealloc_pd(struct ibv_pd *pd);

/* Fills vmr: handle, lkey, rkey, context, mr_type, access. */
int ibv_cmd_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
		   uint64_t hca_va, int access, struct verbs_mr *vmr,
		   struct ibv_reg_mr *cmd, size_t cmd_size,
		   struct ib_uverbs_reg_mr_resp *resp, size_t resp_size);
/*
 * Fills cmd (pd_handle only with IBV_REREG_MR_CHANGE_PD), stores lkey and
 * rkey from the response in vmr (and pd's context with CHANGE_PD).
 */
int ibv_cmd_rereg_mr(struct verbs_mr *vmr, uint32_t flags, void *addr,
		     size_t length, uint64_t hca_va, int access,
		     struct ibv_pd *pd, struct ibv_rereg_mr *cmd,
		     size_t cmd_sz, struct ib_uverbs_rereg_mr_resp *resp,
		     size_t resp_sz);
int ibv_cmd_dereg_mr(struct verbs_mr *vmr);

/*
 * resp/resp_size: the core response followed by the driver's (udata out);
 * the helpers set the object's context, handle and (CQ) cqe, (QP) qp_num
 * and the rest of ibv_qp, and write the granted caps back into attr.
 */
int ibv_cmd_create_cq(struct ibv_context *context, int cqe,
		      struct ibv_comp_channel *channel, int comp_vector,
		      struct ibv_cq *cq, struct ibv_create_cq *cmd,
		      size_t cmd_size, struct ib_uverbs_create_cq_resp *resp,
		      size_t resp_size);
int ibv_cmd_req_notify_cq(struct ibv_cq *cq, int solicited_only);
/* Sets cq->cqe from the core response; resp as for create_cq. */
int ibv_cmd_resize_cq(struct ibv_cq *cq, int cqe, struct ibv_resize_cq *cmd,
		      size_t cmd_size, struct ib_uverbs_resize_cq_resp *resp,
		      size_t resp_size);
int ibv_cmd_destroy_cq(struct ibv_cq *cq);

int ibv_cmd_create_qp(struct ibv_pd *pd, struct ibv_qp *qp,
		      struct ibv_qp_init_attr *attr,
		      struct ibv_create_qp *cmd, size_t cmd_size,
		      struct ib_uverbs_create_qp_resp *resp, size_t resp_size);
int ibv_cmd_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr,
		      int attr_mask, struct ibv_modify_qp *cmd,
		      size_t cmd_size);
int ibv_cmd_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr,
		     int attr_mask, struct ibv_qp_init_attr *init_attr,
		     struct ibv_query_qp *cmd, size_t cmd_size);
int ibv_cmd_destroy_qp(struct ibv_qp *qp);

int ibv_cmd_create_srq(struct ibv_pd *pd, struct ibv_srq *srq,
		       struct ibv_srq_init_attr *attr,
		       struct ibv_create_srq *cmd, size_t cmd_size,
		       struct ib_uverbs_create_srq_resp *resp,
		       size_t resp_size);
int ibv_cmd_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr,
		       int attr_mask, struct ibv_modify_srq *cmd,
		       size_t cmd_size);
int ibv_cmd_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr,
		      struct ibv_query_srq *cmd, size_t cmd_size);
int ibv_cmd_destroy_srq(struct ibv_srq *srq);

/*
 * create_ah builds its own command (legacy write CREATE_AH) from attr; it
 * sets ah->context and handle, not ah->pd.  resp/resp_size: the core
 * response (ah_handle) immediately followed by the driver's.
 */
int ibv_cmd_create_ah(struct ibv_pd *pd, struct ibv_ah *ah,
		      struct ibv_ah_attr *attr,
		      struct ib_uverbs_create_ah_resp *resp,
		      size_t resp_size);
int ibv_cmd_destroy_ah(struct ibv_ah *ah);
int ibv_cmd_attach_mcast(struct ibv_qp *qp, const union ibv_gid *gid,
			 uint16_t lid);
int ibv_cmd_detach_mcast(struct ibv_qp *qp, const union ibv_gid *gid,
			 uint16_t lid);

/*
 * libibverbs' log sink: prints when level <= VERBS_LOG_LEVEL (environment;
 * default 0, silent) to VERBS_LOG_FILE or stderr.  Keeps errno.
 */
enum {
	VERBS_LOG_LEVEL_NONE,
	VERBS_LOG_ERR,
	VERBS_LOG_WARN,
	VERBS_LOG_INFO,
	VERBS_LOG_DEBUG,
};

__attribute__((format(printf, 3, 4)))
void __verbs_log(struct verbs_context *ctx, uint32_t level,
		 const char *fmt, ...);

/* ---- Layout of rdma-core v44 on LP64 (x86_64, arm64) -------------------- */

#if defined(__LP64__)
#define PEDMA_PABI34_ASSERT(expr) _Static_assert(expr, #expr)

/* Public structs we embed: a changed verbs.h would move everything after. */
PEDMA_PABI34_ASSERT(sizeof(struct ibv_device) == 664);
PEDMA_PABI34_ASSERT(sizeof(struct ibv_context) == 328);
PEDMA_PABI34_ASSERT(sizeof(struct verbs_context) == 648);

PEDMA_PABI34_ASSERT(sizeof(struct verbs_match_ent) == 24);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_match_ent, driver_data) == 0);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_match_ent, u) == 8);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_match_ent, vendor) == 16);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_match_ent, device) == 18);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_match_ent, kind) == 20);

PEDMA_PABI34_ASSERT(sizeof(struct verbs_sysfs_dev) == 992);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, entry) == 0);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, provider_data) == 16);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, match) == 24);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, flags) == 32);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, sysfs_name) == 36);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, sysfs_cdev) == 104);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, ibdev_name) == 112);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, ibdev_path) == 176);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, modalias) == 432);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, node_guid) == 944);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, driver_id) == 952);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, node_type) == 956);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, ibdev_idx) == 960);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, num_ports) == 964);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, abi_ver) == 968);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_sysfs_dev, time_created) == 976);

PEDMA_PABI34_ASSERT(sizeof(struct verbs_device_ops) == 72);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device_ops, name) == 0);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device_ops, match_min_abi_version) == 8);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device_ops, match_max_abi_version) == 12);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device_ops, match_table) == 16);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device_ops, static_providers) == 24);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device_ops, match_device) == 32);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device_ops, alloc_context) == 40);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device_ops, import_context) == 48);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device_ops, alloc_device) == 56);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device_ops, uninit_device) == 64);

PEDMA_PABI34_ASSERT(sizeof(struct verbs_device) == 712);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device, device) == 0);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device, ops) == 664);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device, refcount) == 672);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device, entry) == 680);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device, sysfs) == 696);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_device, core_support) == 704);

PEDMA_PABI34_ASSERT(sizeof(struct verbs_mr) == 56);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_mr, mr_type) == 48);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_mr, access) == 52);

PEDMA_PABI34_ASSERT(sizeof(struct verbs_cq) == 288);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_cq, cq) == 0);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_cq, cq_ex) == 0);

PEDMA_PABI34_ASSERT(sizeof(struct verbs_qp) == 368);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_qp, qp) == 0);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_qp, qp_ex) == 0);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_qp, comp_mask) == 352);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_qp, xrcd) == 360);

PEDMA_PABI34_ASSERT(sizeof(struct verbs_srq) == 160);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_srq, srq_type) == 128);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_srq, xrcd) == 136);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_srq, cq) == 144);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_srq, srq_num) == 152);

PEDMA_PABI34_ASSERT(sizeof(struct verbs_context_ops) == 76 * sizeof(void *));
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, advise_mr) == 0);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, alloc_pd) == 40);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, dealloc_pd) == 208);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, free_context) == 312);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, query_device_ex) == 464);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, query_port) == 480);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, unimport_pd) == 600);
/* The other ops pedma sets (slot * 8). */
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, create_cq) == 120);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, create_qp) == 152);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, create_srq) == 176);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, dereg_mr) == 224);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, destroy_cq) == 248);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, destroy_qp) == 272);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, destroy_srq) == 288);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, modify_qp) == 376);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, modify_srq) == 392);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, poll_cq) == 424);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, post_recv) == 432);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, post_send) == 440);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, post_srq_recv) == 456);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, query_qp) == 488);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, query_srq) == 512);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, reg_mr) == 544);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, req_notify_cq) == 552);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, attach_mcast) == 72);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, create_ah) == 104);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, destroy_ah) == 232);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, detach_mcast) == 304);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, create_cq_ex) == 128);
PEDMA_PABI34_ASSERT(offsetof(struct verbs_context_ops, create_qp_ex) == 160);

/* The public AH object, embedded first in ours (struct pedma_ah). */
PEDMA_PABI34_ASSERT(sizeof(struct ibv_ah) == 24);
PEDMA_PABI34_ASSERT(offsetof(struct ibv_ah, handle) == 16);

PEDMA_PABI34_ASSERT(sizeof(struct ibv_get_context) ==
		    sizeof(struct ib_uverbs_cmd_hdr) +
		    sizeof(struct ib_uverbs_get_context));
PEDMA_PABI34_ASSERT(sizeof(struct ibv_query_port) ==
		    sizeof(struct ib_uverbs_cmd_hdr) +
		    sizeof(struct ib_uverbs_query_port));
PEDMA_PABI34_ASSERT(offsetof(struct ibv_query_port, port_num) ==
		    sizeof(struct ib_uverbs_cmd_hdr) +
		    offsetof(struct ib_uverbs_query_port, port_num));
PEDMA_PABI34_ASSERT(sizeof(struct ibv_alloc_pd) ==
		    sizeof(struct ib_uverbs_cmd_hdr) +
		    sizeof(struct ib_uverbs_alloc_pd));

/*
 * libibverbs' own command structs are exactly header + core request
 * (it asserts that too); the ioctl path finds driver data at that size.
 */
#define PEDMA_PABI34_ASSERT_CMD(_name, _kabi, _v44)                            \
	PEDMA_PABI34_ASSERT(sizeof(struct _name) ==                            \
			    sizeof(struct ib_uverbs_cmd_hdr) +                 \
			    sizeof(struct _kabi) &&                            \
			    sizeof(struct _name) == (_v44) &&                  \
			    offsetof(struct _name, core) ==                    \
			    sizeof(struct ib_uverbs_cmd_hdr))
PEDMA_PABI34_ASSERT_CMD(ibv_reg_mr, ib_uverbs_reg_mr, 48);
PEDMA_PABI34_ASSERT_CMD(ibv_create_cq, ib_uverbs_create_cq, 40);
PEDMA_PABI34_ASSERT_CMD(ibv_create_qp, ib_uverbs_create_qp, 64);
PEDMA_PABI34_ASSERT_CMD(ibv_modify_qp, ib_uverbs_modify_qp, 120);
PEDMA_PABI34_ASSERT_CMD(ibv_query_qp, ib_uverbs_query_qp, 24);
PEDMA_PABI34_ASSERT_CMD(ibv_create_srq, ib_uverbs_create_srq, 40);
PEDMA_PABI34_ASSERT_CMD(ibv_modify_srq, ib_uverbs_modify_srq, 24);
PEDMA_PABI34_ASSERT_CMD(ibv_query_srq, ib_uverbs_query_srq, 24);
#undef PEDMA_PABI34_ASSERT_CMD

/* Core responses the helpers read; driver data follows each. */
PEDMA_PABI34_ASSERT(sizeof(struct ib_uverbs_reg_mr_resp) == 12);
PEDMA_PABI34_ASSERT(sizeof(struct ib_uverbs_create_cq_resp) == 8);
PEDMA_PABI34_ASSERT(sizeof(struct ib_uverbs_create_qp_resp) == 32);
PEDMA_PABI34_ASSERT(sizeof(struct ib_uverbs_create_srq_resp) == 16);
PEDMA_PABI34_ASSERT(sizeof(struct ib_uverbs_create_ah_resp) == 4);

#undef PEDMA_PABI34_ASSERT
#else
#error "ibverbs_pabi34.h: layout checked for LP64 only; check it for this ABI"
#endif

#endif /* PEDMA_IBVERBS_PABI34_H */
